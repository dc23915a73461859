"use client";

import { ExclamationTriangleIcon } from "@radix-ui/react-icons";
import { Callout } from "@radix-ui/themes";
import type { ReactNode } from "react";

/**
 * Something went wrong, said in a red Callout that is announced at once (role alert): `children` is the message,
 * and `more` follows it in the Callout's text column (a trace id with its copy button). `id` lets a form point at
 * it (aria-describedby).
 */
export function ErrorCallout({ id, children, more }: { id?: string; children: ReactNode; more?: ReactNode }) {
  return (
    <Callout.Root color="red" role="alert" id={id}>
      <Callout.Icon>
        <ExclamationTriangleIcon />
      </Callout.Icon>
      <Callout.Text>{children}</Callout.Text>
      {more}
    </Callout.Root>
  );
}
