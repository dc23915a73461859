"use client";

import { Button, Dialog, Flex } from "@radix-ui/themes";
import type { ReactNode } from "react";

/**
 * A dialog that makes or changes something: it opens from `trigger` (or, without one, when the caller sets `open`)
 * under its `title`. The caller holds `open`, so it can close the dialog itself after a success; `onDismiss` runs
 * when the person closes it (Cancel, Escape, a click outside), for the caller to put its form back as it was.
 */
export function FormDialog({
  trigger,
  title,
  open,
  onOpenChange,
  onDismiss,
  maxWidth = "480px",
  children,
}: {
  trigger?: ReactNode;
  title: ReactNode;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onDismiss?: () => void;
  maxWidth?: string;
  children: ReactNode;
}) {
  return (
    <Dialog.Root
      open={open}
      onOpenChange={(next) => {
        onOpenChange(next);
        if (!next) onDismiss?.();
      }}
    >
      {trigger && <Dialog.Trigger>{trigger}</Dialog.Trigger>}
      <Dialog.Content maxWidth={maxWidth}>
        <Dialog.Title>{title}</Dialog.Title>
        {children}
      </Dialog.Content>
    </Dialog.Root>
  );
}

/**
 * The form of a {@link FormDialog}: what it does (the dialog's description), its fields in a column, then Cancel
 * and the submit button, busy while `pending`. The browser's own checks are off (noValidate): the form checks its
 * fields itself, so they read alike with the API's answers; `onSubmit` runs in place of the browser's submission.
 */
export function DialogForm({
  description,
  onSubmit,
  submitLabel,
  pending,
  disabled,
  children,
}: {
  description: ReactNode;
  onSubmit: () => void;
  submitLabel: ReactNode;
  pending?: boolean;
  /** Left undefined, the button is disabled while `pending` (Radix's default); `false` would keep it clickable. */
  disabled?: boolean;
  children: ReactNode;
}) {
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit();
      }}
      noValidate
    >
      <Dialog.Description size="2" mb="4">
        {description}
      </Dialog.Description>
      <Flex direction="column" gap="3">
        {children}
      </Flex>
      <Flex gap="3" mt="5" justify="end">
        <Dialog.Close>
          <Button type="button" variant="soft" color="gray">
            Cancel
          </Button>
        </Dialog.Close>
        <Button type="submit" loading={pending} disabled={disabled}>
          {submitLabel}
        </Button>
      </Flex>
    </form>
  );
}
