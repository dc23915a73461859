"use client";

import { Theme } from "@radix-ui/themes";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ThemeProvider, useTheme } from "next-themes";
import { useState, type ReactNode } from "react";
import { Toaster } from "sonner";
import { config } from "zod/v4/core";

import { readRetryDelay, shouldRetryRead } from "@/components/data/api";

// zod's first object parse probes for `new Function` to compile faster parsers. Our CSP has no 'unsafe-eval', so
// in the browser the probe can only fail, and Chromium reports it as a CSP violation (our forms and Scalar's
// reference both parse with zod): tell zod not to try (https://github.com/colinhacks/zod/discussions/6671).
config({ jitless: true });

/**
 * Everything client-side the whole app shares: light/dark (next-themes puts `light` or `dark` on <html>, which
 * Radix Themes follows; the default follows the system), Radix Themes' tokens, the React Query client and the
 * toaster.
 *
 * One React Query client per browser session: created once by useState's initialiser, so it survives
 * re-renders, and never a module-level singleton, which on the server would share one cache between requests.
 */
export function Providers({ children, nonce }: { children: ReactNode; nonce: string | undefined }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        // Server-rendered data is fresh when it arrives: without a stale time the client would refetch at once.
        // Retries: once, but through a database outage for about a minute at the server's Retry-After.
        defaultOptions: { queries: { staleTime: 30_000, retry: shouldRetryRead, retryDelay: readRetryDelay } },
      }),
  );
  return (
    // The nonce lets next-themes' inline script (which sets the class before the first paint) pass our CSP.
    <ThemeProvider attribute="class" defaultTheme="system" enableSystem disableTransitionOnChange nonce={nonce}>
      <Theme accentColor="indigo" grayColor="slate" radius="medium" scaling="100%">
        <QueryClientProvider client={queryClient}>
          {children}
          <ThemedToaster />
        </QueryClientProvider>
      </Theme>
    </ThemeProvider>
  );
}

function ThemedToaster() {
  const { resolvedTheme } = useTheme();
  return <Toaster theme={resolvedTheme === "dark" ? "dark" : "light"} richColors closeButton position="bottom-right" />;
}
