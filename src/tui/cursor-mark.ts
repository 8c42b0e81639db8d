// The cursor's cell in a matrix: brackets in the cell's width, so it shows without colour too.
export function cursorMark(cellWidth: number): string {
  return cellWidth >= 3 ? '[' + ' '.repeat(cellWidth - 2) + ']' : '[]'.slice(0, cellWidth);
}
