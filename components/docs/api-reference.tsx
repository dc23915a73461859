"use client";

import "@scalar/api-reference-react/style.css";

import { Flex, Spinner, Text } from "@radix-ui/themes";
import type { ApiReferenceReact } from "@scalar/api-reference-react";
import { useTheme } from "next-themes";
import dynamic from "next/dynamic";
import { useMemo, type ComponentProps } from "react";

type Configuration = ComponentProps<typeof ApiReferenceReact>["configuration"];

// Scalar's reference is a Vue app that touches `window` as it loads: rendered in the browser only, and its
// code (most of /docs' weight) fetched only when this page renders, never with any other route.
const ScalarReference = dynamic(() => import("@scalar/api-reference-react").then((module) => module.ApiReferenceReact), {
  ssr: false,
  loading: () => (
    <Flex align="center" justify="center" gap="2" p="9">
      <Spinner />
      <Text color="gray">Loading the API reference…</Text>
    </Flex>
  ),
});

/**
 * The API reference for an OpenAPI document, rendered by Scalar from our own bundle: it must work offline and
 * under our CSP, so everything that would reach another host is off (its web fonts, telemetry, the AI agent,
 * its request proxy), and its colour scheme follows the console's theme instead of keeping its own toggle.
 */
export function ApiReference({ url }: { url: string }) {
  const { resolvedTheme } = useTheme();
  // The wrapper re-applies the configuration whenever its identity changes: keep it stable.
  const configuration = useMemo(
    (): Configuration => ({
      url,
      withDefaultFonts: false,
      telemetry: false,
      agent: { disabled: true },
      showDeveloperTools: "never",
      // Its "Open API Client" button links to client.scalar.com with this document's address.
      hideClientButton: true,
      hideDarkModeToggle: true,
      forceDarkModeState: resolvedTheme === "dark" ? "dark" : "light",
      documentDownloadType: "json",
      // Only the first tag open at load (Scalar's default); the others open when chosen in the sidebar or found
      // with its search. Drawing every operation up front cost seconds of main-thread CPU per load on two cores.
      defaultOpenAllTags: false,
      // The console's own fonts instead of Scalar's (which it would fetch from fonts.scalar.com).
      customCss: ".scalar-app { --scalar-font: var(--default-font-family); --scalar-font-code: var(--code-font-family); }",
    }),
    [url, resolvedTheme],
  );
  // Scalar reads the colour mode once, when it mounts: a theme change (the system's, or set in another tab)
  // mounts it afresh.
  return <ScalarReference key={resolvedTheme} configuration={configuration} />;
}
