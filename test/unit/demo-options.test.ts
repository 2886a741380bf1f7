// Demo flags and environment variables: defaults, precedence, validation messages.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DEMO_OPTIONS, DemoArgsError, parseDemoArgs } from '../../demo/options.js';

describe('parseDemoArgs', () => {
  test('defaults when nothing is given', () => {
    assert.deepEqual(parseDemoArgs([], {}), DEFAULT_DEMO_OPTIONS);
  });

  test('flags in both forms, env below flags', () => {
    const o = parseDemoArgs(['--rate', '20', '--error-rate=0.5', '--broker', 'amqp://guest:guest@127.0.0.1:5672', '--verbose'], {
      DEMO_RATE: '3',
      DEMO_DUPLICATE_RATE: '0.2',
      DEMO_ENDPOINT: 'http://collector:4318/',
    });
    assert.equal(o.rate, 20);
    assert.equal(o.errorRate, 0.5);
    assert.equal(o.duplicateRate, 0.2);
    assert.equal(o.broker, 'amqp://guest:guest@127.0.0.1:5672');
    assert.equal(o.endpoint, 'http://collector:4318', 'trailing slash dropped');
    assert.equal(o.verbose, true);
  });

  test('an endpoint given with /v1/traces is reduced to the base URL', () => {
    assert.equal(parseDemoArgs(['--endpoint', 'http://127.0.0.1:4318/v1/traces'], {}).endpoint, 'http://127.0.0.1:4318');
  });

  test('the composition root flags pass through', () => {
    assert.equal(parseDemoArgs(['--demo', '--rate', '2'], {}).rate, 2);
  });

  const bad: [string[], Record<string, string>, RegExp][] = [
    [['--rate', 'fast'], {}, /--rate: must be a number \(got "fast"\)/],
    [['--rate', '0'], {}, /--rate: must be at least 0.01/],
    [['--error-rate', '1.5'], {}, /--error-rate: must be between 0 and 1/],
    [['--partitions', '2.5'], {}, /--partitions: must be a whole number/],
    [['--broker', 'http://x'], {}, /--broker: must start with amqp:\/\/ or amqps:\/\//],
    [['--endpoint', 'nope'], {}, /--endpoint: not a URL/],
    [['--bogus'], {}, /unknown flag --bogus/],
    [['--rate'], {}, /--rate needs a value/],
    [['stray'], {}, /unexpected argument "stray"/],
    [[], { DEMO_REORDER_RATE: '-1' }, /DEMO_REORDER_RATE: must be between 0 and 1/],
  ];
  for (const [argv, env, message] of bad) {
    test(`rejects ${JSON.stringify(argv)} ${JSON.stringify(env)}`, () => {
      assert.throws(() => parseDemoArgs(argv, env), (err: unknown) => err instanceof DemoArgsError && message.test(err.message));
    });
  }

  test('names every bad input at once', () => {
    assert.throws(
      () => parseDemoArgs(['--rate', 'x', '--seed', '-3'], {}),
      (err: Error) => /--rate/.test(err.message) && /--seed/.test(err.message),
    );
  });
});
