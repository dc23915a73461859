"use client";

import { Badge, Button, Flex, Table, Text } from "@radix-ui/themes";

import { ColumnHeaders } from "@/components/ui/column-headers";
import { ErrorCallout } from "@/components/ui/error-callout";
import { LoadError } from "@/components/ui/load-error";
import type { ImportPreviewJson } from "@/lib/api-contract/imports";

const whole = new Intl.NumberFormat();

/**
 * The dry run's answer (POST /api/v1/imports/preview, issue 23): the file's first rows as the import reads them,
 * each with the problem its error report would give (or OK), the reason it would refuse the file as a whole, and
 * the button that starts the import for real. A refused file offers no import: the server would refuse it too, or
 * its job fail as a whole.
 */
export function ImportPreview({
  preview,
  starting,
  failure,
  onStart,
}: {
  preview: ImportPreviewJson;
  starting: boolean;
  failure: Error | null;
  onStart: () => void;
}) {
  const { columns, fileProblem, rows, moreRows } = preview;
  if (fileProblem !== null) return <ErrorCallout>This file cannot be imported: {fileProblem}</ErrorCallout>;

  const refused = rows.filter((row) => row.problem !== null).length;
  const checked = `${moreRows ? "Of the first" : "Of the"} ${whole.format(rows.length)} ${rows.length === 1 ? "row" : "rows"}`;
  return (
    <Flex direction="column" gap="3">
      <Text as="p" size="2" role="status">
        {rows.length === 0
          ? "The file has a header row and no users: an import would create no one."
          : `${checked}, ${whole.format(rows.length - refused)} would create a user and ${whole.format(refused)} ${refused === 1 ? "has a problem" : "have problems"}.`}
        {moreRows && " The file has more rows than these: the import checks them as it runs, and its error report lists those it skips."}
      </Text>
      {rows.length > 0 && (
        <Table.Root variant="surface" size="1">
          {/* Names the table itself (Radix puts an aria-label on its wrapper, not on the table). */}
          <caption className="visually-hidden">Preview of the first rows</caption>
          <ColumnHeaders columns={["Line", ...columns, "Problem"]} />
          <Table.Body>
            {rows.map((row) => (
              <Table.Row key={row.line}>
                <Table.RowHeaderCell>{row.line}</Table.RowHeaderCell>
                {columns.map((column) => (
                  <Table.Cell key={column}>{row.fields[column] ?? ""}</Table.Cell>
                ))}
                <Table.Cell>
                  {row.problem === null ? (
                    <Badge color="green">OK</Badge>
                  ) : (
                    <Text color="red" size="2">
                      {row.problem}
                    </Text>
                  )}
                </Table.Cell>
              </Table.Row>
            ))}
          </Table.Body>
        </Table.Root>
      )}
      {(rows.length > 0 || moreRows) && (
        <Flex align="center" gap="3" wrap="wrap">
          <Button onClick={onStart} loading={starting}>
            Start import
          </Button>
          {refused > 0 && (
            <Text size="2" color="gray">
              Rows with a problem create no user; the import’s error report lists them.
            </Text>
          )}
        </Flex>
      )}
      {failure && <LoadError error={failure} what="The file" verb="imported" />}
    </Flex>
  );
}
