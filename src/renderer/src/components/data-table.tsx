// One table shape for the panels that list what main read (cloud keys and clusters, an HSM
// group's members): an optional caption, a header row of column scopes, a row per item.
import type { ReactNode, TdHTMLAttributes } from 'react';

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  /** Attributes of the cell (a state's colour class, a tooltip). */
  props?: (row: T) => TdHTMLAttributes<HTMLTableCellElement>;
}

export function DataTable<T>(props: {
  caption?: ReactNode;
  columns: readonly Column<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string;
}) {
  return (
    <table>
      {props.caption !== undefined ? <caption>{props.caption}</caption> : null}
      <thead>
        <tr>
          {props.columns.map((c) => (
            <th key={c.header} scope="col">
              {c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => (
          <tr key={props.rowKey(row)}>
            {props.columns.map((c) => (
              <td key={c.header} {...c.props?.(row)}>
                {c.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
