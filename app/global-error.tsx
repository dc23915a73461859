"use client";

/**
 * The last resort, when the root layout itself failed (app/error.tsx sits inside it): it replaces the whole
 * document, so it brings its own html and body and plain styles (the theme's CSS came with the layout).
 */
export default function GlobalError({ error, retry }: { error: Error & { digest?: string }; retry: () => void }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: "system-ui, sans-serif", display: "grid", placeItems: "center", minHeight: "100vh", margin: 0 }}>
        <main style={{ maxWidth: 520, padding: 24 }}>
          <h1>The console could not be loaded</h1>
          <p>Something failed on our side. If the database is having trouble this passes by itself: try again in a moment.</p>
          {error.digest && <p>Reference for a report: <code>{error.digest}</code></p>}
          <button type="button" onClick={() => retry()}>
            Try again
          </button>
        </main>
      </body>
    </html>
  );
}
