"use client";

import { DesktopIcon, MoonIcon, SunIcon } from "@radix-ui/react-icons";
import { DropdownMenu, IconButton } from "@radix-ui/themes";
import { useTheme } from "next-themes";

/** Light, dark, or whatever the system prefers (the default); next-themes remembers the choice in this browser. */
export function ThemeMenu() {
  const { theme, setTheme } = useTheme();
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger>
        <IconButton variant="soft" color="gray" aria-label="Colour theme">
          <SunIcon aria-hidden className="theme-icon-light" />
          <MoonIcon aria-hidden className="theme-icon-dark" />
        </IconButton>
      </DropdownMenu.Trigger>
      <DropdownMenu.Content>
        <DropdownMenu.Label>Colour theme</DropdownMenu.Label>
        <DropdownMenu.RadioGroup value={theme ?? "system"} onValueChange={setTheme}>
          <DropdownMenu.RadioItem value="system">
            <DesktopIcon aria-hidden /> System
          </DropdownMenu.RadioItem>
          <DropdownMenu.RadioItem value="light">
            <SunIcon aria-hidden /> Light
          </DropdownMenu.RadioItem>
          <DropdownMenu.RadioItem value="dark">
            <MoonIcon aria-hidden /> Dark
          </DropdownMenu.RadioItem>
        </DropdownMenu.RadioGroup>
      </DropdownMenu.Content>
    </DropdownMenu.Root>
  );
}
