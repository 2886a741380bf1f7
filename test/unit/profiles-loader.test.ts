// The mapping-file loader: a valid YAML or JSON file compiles; every broken one is a ConfigError that
// names the file and the line of the problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../lib/config/index.js';
import { parseMappings } from '../../collector/profiles/loader.js';
import { compileProfiles } from '../../collector/profiles/language.js';

const OK = `profiles:
  - name: hermes
    match: { scopes: [acme-hermes] }
    system: hermes
    destination: hermes.channel
`;

test('a valid YAML file and the same in JSON give the same profile', () => {
  const yaml = parseMappings(OK, 'm.yaml');
  const json = parseMappings(JSON.stringify({ profiles: [{ name: 'hermes', match: { scopes: ['acme-hermes'] }, system: 'hermes', destination: 'hermes.channel' }] }), 'm.json');
  assert.deepEqual(yaml, json);
  assert.equal(compileProfiles(yaml).byScope.get('acme-hermes')?.system, 'hermes');
});

const broken: [string, string, RegExp][] = [
  ['YAML syntax', 'profiles:\n  - name: x\n    match: { scopes: [a\n', /^EVENTSCOPE_MAPPINGS m\.yaml:\d+:\d+: /],
  ['unknown key on line 6', OK + '    destinaton: typo\n', /^EVENTSCOPE_MAPPINGS m\.yaml:6:\d+: profiles\[0\]: unknown key "destinaton"/],
  ['a bad operation value on line 7', OK.replace('    destination: hermes.channel\n', '    operation:\n      from: op\n      values: { emit: sned }\n'), /^EVENTSCOPE_MAPPINGS m\.yaml:7:23: profiles\[0\]\.operation\.values\.emit: /],
  ['no match', 'profiles:\n  - name: x\n    system: y\n    match: {}\n', /m\.yaml:4:12: profiles\[0\]\.match: needs scopes or attribute/],
  ['not a regular expression', OK.replace('hermes.channel', '{ spanName: "(" }'), /m\.yaml:2:5: profiles\[0\] \(hermes\): spanName "\(" is not a regular expression/],
  ['no profiles list', 'mappings: []\n', /m\.yaml:1:1: .*profiles: \[ … \]/],
];

for (const [what, text, message] of broken) {
  test(`a broken file is refused with its line: ${what}`, () => {
    assert.throws(() => parseMappings(text, 'm.yaml'), (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.match(err.message, message);
      return true;
    });
  });
}
