"use client";

import { CheckIcon, CopyIcon } from "@radix-ui/react-icons";
import { Flex, IconButton, Text, TextField, Tooltip } from "@radix-ui/themes";
import { useId, useRef, useState } from "react";
import { toast } from "sonner";

/**
 * A read-only value shown once (an invitation link, a token secret) with a copy button. Where the clipboard API
 * is unavailable (plain http on another host) the text is selected instead, for the person to copy.
 */
export function CopyField({ label, value, hint }: { label: string; value: string; hint?: string }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);

  return (
    <Flex direction="column" gap="1">
      <Text as="label" htmlFor={id} size="2" weight="medium">
        {label}
      </Text>
      <TextField.Root
        ref={input}
        id={id}
        value={value}
        readOnly
        onFocus={(event) => event.currentTarget.select()}
        aria-describedby={hint ? `${id}-hint` : undefined}
      >
        <TextField.Slot side="right">
          <CopyButton
            label={label}
            value={value}
            onUnavailable={() => {
              input.current?.select();
              toast.info("Could not copy automatically: the text is selected, copy it with your keyboard");
            }}
          />
        </TextField.Slot>
      </TextField.Root>
      {hint && (
        <Text id={`${id}-hint`} size="1" color="gray">
          {hint}
        </Text>
      )}
    </Flex>
  );
}

/**
 * The copy button alone, named "Copy <label>" for assistive technology, for a value shown as text beside it (a
 * trace id). `onUnavailable` runs when the clipboard API refuses (plain http on another host); by default the
 * person is told to select the text themselves.
 */
export function CopyButton({ label, value, onUnavailable }: { label: string; value: string; onUnavailable?: () => void }) {
  const [copied, setCopied] = useState(false);

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      toast.success(`${label} copied`);
    } catch {
      if (onUnavailable) onUnavailable();
      else toast.info(`Could not copy automatically: select the ${label.toLowerCase()} and copy it with your keyboard`);
    }
  }

  return (
    <Tooltip content={copied ? "Copied" : "Copy"}>
      <IconButton type="button" size="1" variant="ghost" onClick={copy} aria-label={`Copy ${label.toLowerCase()}`}>
        {copied ? <CheckIcon aria-hidden /> : <CopyIcon aria-hidden />}
      </IconButton>
    </Tooltip>
  );
}
