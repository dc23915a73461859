"use client";

import { LockClosedIcon } from "@radix-ui/react-icons";
import { Callout } from "@radix-ui/themes";

import { useReadOnlyMode } from "./my-flags";

/**
 * The banner every console page shows while `ops-read-only-mode` is on for the signed-in person (issue 9). The
 * live region is always in the page, so assistive technology announces the banner when it appears.
 */
export function ReadOnlyBanner() {
  const readOnly = useReadOnlyMode();
  return (
    <div role="status" className="read-only-banner">
      {readOnly && (
        <Callout.Root color="amber" variant="surface" mb="4">
          <Callout.Icon>
            <LockClosedIcon aria-hidden />
          </Callout.Icon>
          <Callout.Text>
            <strong>Read-only mode: changes are turned off during an incident.</strong> Everything can still be
            looked at; changes are refused until it is turned off again.
          </Callout.Text>
        </Callout.Root>
      )}
    </div>
  );
}
