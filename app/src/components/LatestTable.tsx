import type { ReactNode } from "react";

/**
 * The latest `shown` of `rows`, newest first, in a scrolling table named `label` (`empty` when there is none):
 * `columns` are the header cells, `row` renders one row (its `<tr>`, keyed), `footer` follows the table.
 */
export function LatestTable<T>(props: {
  label: string;
  rows: T[];
  shown: number;
  empty: string;
  columns: string[];
  row: (item: T, index: number) => ReactNode;
  footer?: ReactNode;
}) {
  if (props.rows.length === 0) return <p className="note">{props.empty}</p>;
  const latest = props.rows.slice(-props.shown).reverse();
  return (
    <div className="table-scroll">
      <table aria-label={props.label}>
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{latest.map(props.row)}</tbody>
      </table>
      {props.footer}
    </div>
  );
}
