import { test, expect } from '@playwright/test';
import { assetPaths } from './support';

function directives(csp: string): Map<string, string> {
  return new Map(
    csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
      const [name, ...rest] = d.split(/\s+/);
      return [name, rest.join(' ')] as [string, string];
    }),
  );
}

test('a page carries a nonce-based CSP and the other security headers', async ({ request }) => {
  const response = await request.get('/');
  const headers = response.headers();
  const csp = directives(headers['content-security-policy']);
  expect(csp.get('script-src')).toContain("'nonce-");
  expect(csp.get('script-src')).not.toContain('unsafe-inline');
  expect(csp.get('frame-ancestors')).toBe("'none'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBeTruthy();
  expect(headers['permissions-policy']).toBeTruthy();
});

test('an asset carries the security headers too', async ({ request, page }) => {
  const assets = await assetPaths(page);
  for (const path of [assets.css, assets.js, '/favicon.ico']) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(200);
    const headers = response.headers();
    const csp = directives(headers['content-security-policy']);
    expect(csp.get('frame-ancestors'), path).toBe("'none'");
    expect(csp.get('script-src') ?? '', path).not.toContain('unsafe-inline');
    expect(headers['x-content-type-options'], path).toBe('nosniff');
    expect(headers['permissions-policy'], path).toBeTruthy();
  }
});
