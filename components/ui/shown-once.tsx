"use client";

import { Button, Dialog, Flex } from "@radix-ui/themes";
import type { ReactNode } from "react";

import { CopyField } from "./copy-field";

/**
 * A dialog's body for a value the server hands out once and never again (a token's secret, a signing secret, an
 * invitation link): what it is and what to do with it (`children`, the dialog's description), the value with its
 * copy button, and Done, which closes the dialog.
 */
export function ShownOnce({ label, value, hint, children }: { label: string; value: string; hint?: string; children: ReactNode }) {
  return (
    <Flex direction="column" gap="4">
      <Dialog.Description size="2">{children}</Dialog.Description>
      <CopyField label={label} value={value} hint={hint} />
      <Flex justify="end">
        <Dialog.Close>
          <Button>Done</Button>
        </Dialog.Close>
      </Flex>
    </Flex>
  );
}
