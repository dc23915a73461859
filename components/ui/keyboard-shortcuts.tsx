"use client";

import { KeyboardIcon } from "@radix-ui/react-icons";
import { Button, Dialog, Flex, Heading, Kbd, Text } from "@radix-ui/themes";
import { useState } from "react";
import { useHotkeys, type Options } from "react-hotkeys-hook";

/**
 * The console's keyboard shortcuts (issue 7, item 7), listed in the dialog that `?` or the sidebar's button
 * opens. `j`, `k` and Enter belong to the users table, which binds them itself (components/users/user-table*.tsx);
 * this list only names them.
 */
const SHORTCUTS: readonly { section: string; keys: readonly { keys: readonly string[]; does: string }[] }[] = [
  {
    section: "Anywhere in the console",
    keys: [
      { keys: ["?"], does: "Show this list of shortcuts" },
      { keys: ["/"], does: "Go to the page's search field" },
      { keys: ["Esc"], does: "Leave the search field, or close a dialog or menu" },
    ],
  },
  {
    section: "Users table",
    keys: [
      { keys: ["j"], does: "Next row" },
      { keys: ["k"], does: "Previous row" },
      { keys: ["Enter"], does: "Open the focused row's user" },
    ],
  },
];

/**
 * The page's search field, by contract with the pages that have one (the users table's search, the audit log's
 * filter): an input marked `data-shortcut="search"`. The first one, if several.
 */
const SEARCH_FIELD = 'input[data-shortcut="search"]';

/**
 * Matched by the character typed rather than the physical key (`useKey`), and whatever Shift says
 * (`ignoreModifiers`): `?` is Shift+/ on a US keyboard but Shift+ß on a German one, and `/` is Shift+7 there.
 * Ctrl, Alt and Cmd combinations stay the browser's and the system's. Typing in an input, textarea, select or
 * contenteditable never triggers them (react-hotkeys-hook's default, which also covers ARIA textboxes and menu
 * items).
 */
const CHARACTER_KEY: Options = {
  useKey: true,
  ignoreModifiers: true,
  ignoreEventWhen: (event) => event.ctrlKey || event.metaKey || event.altKey,
  preventDefault: true,
};

/**
 * Binds the global shortcuts and renders the button that opens their list (for people who do not know to press
 * `?`). Mounted once, in the console's layout.
 */
export function KeyboardShortcuts() {
  const [open, setOpen] = useState(false);

  useHotkeys("?", () => setOpen(true), CHARACTER_KEY);
  useHotkeys(
    "/",
    () => document.querySelector<HTMLInputElement>(SEARCH_FIELD)?.focus(),
    // Behind the open dialog the field is unreachable anyway (the dialog traps focus); and with no search field
    // on the page, `/` keeps its browser meaning (Firefox's quick find) rather than doing nothing.
    { ...CHARACTER_KEY, enabled: !open, preventDefault: () => document.querySelector(SEARCH_FIELD) !== null },
  );
  // Esc in the search field leaves it, so the keys above work again without reaching for the mouse.
  useHotkeys("esc", (event) => {
    if (event.target instanceof HTMLInputElement && event.target.matches(SEARCH_FIELD)) event.target.blur();
  }, { enableOnFormTags: ["input"] });

  return (
    <Dialog.Root open={open} onOpenChange={setOpen}>
      <Dialog.Trigger>
        <Button variant="ghost" color="gray" size="1" className="shortcuts-button">
          <KeyboardIcon aria-hidden /> Keyboard shortcuts
          <Kbd size="1" aria-hidden>
            ?
          </Kbd>
        </Button>
      </Dialog.Trigger>
      <Dialog.Content maxWidth="480px">
        <Dialog.Title>Keyboard shortcuts</Dialog.Title>
        <Dialog.Description size="2" color="gray" mb="4">
          They work anywhere except while you type in a field.
        </Dialog.Description>
        <Flex direction="column" gap="4">
          {SHORTCUTS.map(({ section, keys }) => (
            <section key={section} aria-labelledby={sectionId(section)}>
              <Heading as="h3" size="2" mb="2" id={sectionId(section)}>
                {section}
              </Heading>
              <dl className="shortcut-list">
                {keys.map(({ keys: pressed, does }) => (
                  <div key={does} className="shortcut">
                    <dt>
                      {pressed.map((key) => (
                        <Kbd key={key}>{key}</Kbd>
                      ))}
                    </dt>
                    <dd>
                      <Text size="2">{does}</Text>
                    </dd>
                  </div>
                ))}
              </dl>
            </section>
          ))}
        </Flex>
        <Flex justify="end" mt="4">
          <Dialog.Close>
            <Button variant="soft" color="gray">
              Close
            </Button>
          </Dialog.Close>
        </Flex>
      </Dialog.Content>
    </Dialog.Root>
  );
}

function sectionId(section: string): string {
  return `shortcuts-${section.toLowerCase().replace(/[^a-z]+/g, "-")}`;
}
