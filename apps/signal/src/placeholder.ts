/** The page served at `/` when the web app has not been built. */
export function placeholderPage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Meshdrive</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">
<h1>Meshdrive</h1><p>The master is running. The web app has not been built: run <code>npm run build:web</code> in the Meshdrive checkout (a master started with <code>npx meshdrive master</code> builds it by itself when Vite is installed).</p>
<p>Mesh state: <a href="/api/state">/api/state</a></p></body></html>`;
}
