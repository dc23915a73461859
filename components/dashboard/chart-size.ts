/** A chart drawing's height in pixels: the card keeps the box at it before the drawing arrives, so nothing moves. */
export const CHART_HEIGHT = 220;
