import { describe, expect, it } from 'vitest';
import { CATALOG } from '../llm/catalog';
import { catalogModelSources, contentSecurityPolicy } from './contentSecurityPolicy';

const directive = (policy: string, name: string) =>
  policy
    .split('; ')
    .find((d) => d.startsWith(`${name} `))
    ?.slice(name.length + 1)
    .split(' ');

describe('contentSecurityPolicy', () => {
  it('remote mode: connects to this origin, the catalog hosts and the local server; nothing else', () => {
    const policy = contentSecurityPolicy({ mode: 'build', modelBaseUrl: '' });
    expect(directive(policy, 'default-src')).toEqual(["'self'"]);
    expect(directive(policy, 'frame-ancestors')).toEqual(["'none'"]);
    expect(directive(policy, 'script-src')).toEqual(["'self'", "'wasm-unsafe-eval'", 'blob:']);
    const connect = directive(policy, 'connect-src')!;
    expect(connect).toContain('https://huggingface.co');
    expect(connect).toContain('https://raw.githubusercontent.com');
    // Every URL the catalog downloads from is covered.
    for (const e of CATALOG)
      for (const url of e.engine === 'wllama' ? [e.url] : [e.modelUrl, e.modelLibUrl]) expect(catalogModelSources()).toContain(new URL(url).origin);
  });

  it('local-files mode: this origin and the local server only; extra sources only when given', () => {
    const policy = contentSecurityPolicy({ mode: 'build', modelBaseUrl: '/models/', extraConnectSources: ['http://127.0.0.1:4382'] });
    expect(directive(policy, 'connect-src')).toEqual(["'self'", 'http://127.0.0.1:8089', 'http://localhost:8089', 'http://127.0.0.1:4382']);
  });

  it('the <meta> form leaves out frame-ancestors (ignored there); the dev server allows its inline preamble and HMR', () => {
    expect(contentSecurityPolicy({ mode: 'build', modelBaseUrl: '', meta: true })).not.toContain('frame-ancestors');
    const dev = contentSecurityPolicy({ mode: 'dev', modelBaseUrl: '/models/' });
    expect(directive(dev, 'script-src')).toContain("'unsafe-inline'");
    expect(directive(dev, 'connect-src')).toContain('ws://localhost:*');
  });
});
