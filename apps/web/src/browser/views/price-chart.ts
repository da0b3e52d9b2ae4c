import { ColorType, createChart, LineSeries, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import type { TradeExecuted } from '@trading/client';

/**
 * Price of recent trades (lightweight-charts, bundled locally). The chart's time axis has one-second
 * resolution, so several trades in the same second update that second's point to the latest price.
 */
export class PriceChart {
  private readonly chart: IChartApi;
  private readonly series: ISeriesApi<'Line'>;
  private lastTime = 0;
  private points = 0;

  constructor(private readonly container: HTMLElement) {
    this.chart = createChart(container, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: '#0f1720' }, textColor: '#9fb0c3', attributionLogo: false },
      grid: { vertLines: { color: '#1c2733' }, horzLines: { color: '#1c2733' } },
      timeScale: { timeVisible: true, secondsVisible: true },
      rightPriceScale: { borderColor: '#2a3744' },
    });
    this.series = this.chart.addSeries(LineSeries, { color: '#4fa3ff', lineWidth: 2 });
  }

  clear(): void {
    this.series.setData([]);
    this.lastTime = 0;
    this.points = 0;
    this.container.dataset.points = '0';
  }

  add(trade: TradeExecuted): void {
    // Trades arrive in seq order, but two engines' clocks never matter here: never go backwards.
    const time = Math.max(this.lastTime, Math.floor(trade.ts / 1000));
    if (time !== this.lastTime) this.points++;
    this.lastTime = time;
    this.series.update({ time: time as UTCTimestamp, value: Number(trade.price) });
    this.container.dataset.points = String(this.points);
  }
}
