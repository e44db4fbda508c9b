import type { Components } from 'react-markdown';
import ReactMarkdown from 'react-markdown';
import remarkGfm from 'remark-gfm';

/**
 * An answer as markdown. react-markdown turns the text into React elements (never innerHTML) and, without
 * rehype-raw, never parses HTML: a `<script>` or `<img onerror>` in the text stays visible text. Its default URL
 * transform empties `javascript:`/`data:`/`vbscript:` URLs. On top of that:
 * - links open in a new tab with `rel="noopener noreferrer"` and show their full URL on hover, so the page cannot be
 *   navigated away or reached back into; a link whose URL was emptied or is not http(s)/mailto is plain text;
 * - images are never loaded (a model-written `![](https://…)` would otherwise make a request to another origin
 *   by itself): they show as their alt text and URL.
 * Memory text is never passed through here: memories are data and render as plain text nodes.
 */
const components: Components = {
  a({ href, children }) {
    if (!href || !/^(https?:|mailto:)/i.test(href)) return <span className="md-link-text">{children}</span>;
    return (
      <a href={href} target="_blank" rel="noopener noreferrer nofollow" title={href}>
        {children}
      </a>
    );
  },
  img({ src, alt }) {
    const url = typeof src === 'string' ? src : '';
    return (
      <span className="md-image" data-testid="md-image">
        [image{alt ? `: ${alt}` : ''}
        {url ? ` — ${url}` : ''}]
      </span>
    );
  },
};

export function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown remarkPlugins={[remarkGfm]} components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
}
