// Draw a matrix of numbers as an HTML table (readable by tests and screen readers).
export function fillGrid(table, rows, { format = (v) => String(v), cellClass } = {}) {
  table.replaceChildren();
  const body = table.createTBody();
  rows.forEach((row, i) => {
    const tr = body.insertRow();
    row.forEach((v, j) => {
      const td = tr.insertCell();
      td.textContent = format(v);
      if (cellClass) td.className = cellClass(v, i, j) || '';
    });
  });
}

// Row-major flat array -> array of rows.
export function toRows(flat, width) {
  const rows = [];
  for (let i = 0; i < flat.length; i += width) rows.push(Array.from(flat.slice(i, i + width)));
  return rows;
}
