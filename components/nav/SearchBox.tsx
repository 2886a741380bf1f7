'use client';
// The top bar's request search, and its keyboard shortcut: "/" focuses the requests page's own
// search field when there is one, else this box. A trace id opens its timeline, key=value filters
// requests by attribute, anything else looks for a message id (lib/ui/url.ts searchTarget).
import { useRouter } from 'next/navigation';
import { useEffect, useRef, type FormEvent } from 'react';
import { searchTarget } from '@/lib/ui/url';

const typing = (el: Element | null) =>
  !!el && (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || (el as HTMLElement).isContentEditable);

export function SearchBox() {
  const router = useRouter();
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || typing(document.activeElement)) return;
      e.preventDefault();
      const target = document.querySelector<HTMLInputElement>('[data-search-focus]') ?? input.current;
      target?.focus();
      target?.select();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const q = input.current?.value ?? '';
    router.push(searchTarget(q));
    input.current?.blur();
  };
  return (
    <form className="nav-search" role="search" onSubmit={onSubmit}>
      <input
        ref={input}
        name="q"
        placeholder="Find a request: trace id, key=value, message id"
        aria-label="find a request by trace id, attribute key=value or message id"
        autoComplete="off"
        spellCheck={false}
        data-testid="nav-search"
      />
      <kbd title="press / to search">/</kbd>
    </form>
  );
}
