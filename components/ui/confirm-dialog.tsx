"use client";

import { AlertDialog, Button, Flex } from "@radix-ui/themes";
import type { ReactNode } from "react";

/**
 * "Are you sure?" for a change that is hard to take back: a title that names the change, what it will do, Cancel
 * and the confirming button (red when `destructive`). The one confirmation of the console.
 *
 * - With `trigger`, the dialog opens from it; without, the caller opens it (`open`).
 * - Controlled (`open`, `onOpenChange`), the caller decides when it closes, so it can stay open, busy, while the
 *   change runs, and show its error (`children`) if it fails. Uncontrolled, confirming closes it at once (the
 *   change then reports in a toast).
 */
export function ConfirmDialog({
  trigger,
  open,
  onOpenChange,
  title,
  description,
  children,
  confirmLabel,
  onConfirm,
  busy = false,
  destructive = false,
}: {
  trigger?: ReactNode;
  open?: boolean;
  onOpenChange?: (open: boolean) => void;
  title: ReactNode;
  /** What will happen. */
  description: ReactNode;
  /** Anything more under the description: progress, the error of a failed attempt. */
  children?: ReactNode;
  confirmLabel: ReactNode;
  onConfirm: () => void;
  busy?: boolean;
  destructive?: boolean;
}) {
  const controlled = open !== undefined;
  const confirm = (
    <Button color={destructive ? "red" : undefined} loading={busy} onClick={onConfirm}>
      {confirmLabel}
    </Button>
  );
  return (
    <AlertDialog.Root
      {...(controlled && { open })}
      // A dialog whose change is running stays open: closing it would hide the outcome.
      onOpenChange={(next) => (busy ? undefined : onOpenChange?.(next))}
    >
      {trigger && <AlertDialog.Trigger>{trigger}</AlertDialog.Trigger>}
      <AlertDialog.Content maxWidth="480px">
        <AlertDialog.Title>{title}</AlertDialog.Title>
        <AlertDialog.Description size="2">{description}</AlertDialog.Description>
        {children}
        <Flex gap="3" mt="4" justify="end">
          <AlertDialog.Cancel>
            <Button variant="soft" color="gray" disabled={busy}>
              Cancel
            </Button>
          </AlertDialog.Cancel>
          {controlled ? confirm : <AlertDialog.Action>{confirm}</AlertDialog.Action>}
        </Flex>
      </AlertDialog.Content>
    </AlertDialog.Root>
  );
}
