import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Markdown } from './Markdown';

afterEach(cleanup);

describe('Markdown', () => {
  it('renders an answer’s markdown: emphasis, lists, code, tables', () => {
    const { container } = render(<Markdown text={'You have **two** pets:\n\n- a dog, *Buddy*\n- a cat\n\n`code` and\n\n| a | b |\n|---|---|\n| 1 | 2 |'} />);
    expect(container.querySelector('strong')?.textContent).toBe('two');
    expect(container.querySelector('em')?.textContent).toBe('Buddy');
    expect([...container.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['a dog, Buddy', 'a cat']);
    expect(container.querySelector('code')?.textContent).toBe('code');
    expect(container.querySelector('table td')?.textContent).toBe('1');
  });

  it('keeps HTML in an answer as visible text: no <img onerror>, no <script>, nothing runs', () => {
    const alert = vi.fn();
    vi.stubGlobal('alert', alert);
    try {
      const answer = 'Here: <img src=x onerror=alert(1)> and <script>alert(2)</script> and <b onclick="alert(3)">bold</b>';
      const { container } = render(<Markdown text={answer} />);
      expect(container.querySelector('img, script, b, [onerror], [onclick]')).toBeNull();
      expect(container.textContent).toContain('<img src=x onerror=alert(1)>');
      expect(container.textContent).toContain('<script>');
      // A block of HTML (its own paragraph) is raw HTML to markdown too: still text.
      const block = render(<Markdown text={'<div><img src=x onerror="alert(4)"></div>\n\nafter'} />);
      expect(block.container.querySelector('.markdown img, .markdown div')).toBeNull();
      expect(block.container.textContent).toContain('<div><img src=x onerror="alert(4)"></div>');
      expect(alert).not.toHaveBeenCalled();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('opens web links in a new tab without an opener or referrer, and leaves script URLs as plain text', () => {
    const { container } = render(<Markdown text={'[docs](https://example.org/a) and [click](javascript:alert(1)) and [x](data:text/html,hi)'} />);
    const links = container.querySelectorAll('a');
    expect(links).toHaveLength(1);
    const link = screen.getByRole('link', { name: 'docs' });
    expect(link.getAttribute('href')).toBe('https://example.org/a');
    expect(link.getAttribute('target')).toBe('_blank');
    expect(link.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    expect(link.getAttribute('title')).toBe('https://example.org/a');
    expect(container.textContent).toContain('click');
    expect(container.innerHTML).not.toMatch(/javascript:|data:text/);
  });

  it('never loads an image: it shows as its alt text and URL', () => {
    const { container } = render(<Markdown text={'![a tracking pixel](https://tracker.example/p.png)'} />);
    expect(container.querySelector('img')).toBeNull();
    expect(screen.getByTestId('md-image').textContent).toBe('[image: a tracking pixel — https://tracker.example/p.png]');
  });
});
