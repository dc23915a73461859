"use client";

import { ExclamationTriangleIcon } from "@radix-ui/react-icons";
import { Callout } from "@radix-ui/themes";

import { describeError } from "./api";

/** A failed request, said in a Callout: `what` could not be loaded, or (null) the problem's own words. */
export function LoadError({ error, what }: { error: unknown; what: string | null }) {
  const { title, detail } = describeError(error);
  return (
    <Callout.Root color="red" role="alert">
      <Callout.Icon>
        <ExclamationTriangleIcon />
      </Callout.Icon>
      <Callout.Text>
        {what ? `${what} could not be loaded: ` : ""}
        {title}
        {detail ? ` (${detail})` : ""}
      </Callout.Text>
    </Callout.Root>
  );
}
