// Chart.js with only the pieces the dashboard draws (bar charts), so the bundle stays small. Charts get their
// colours from a fixed palette and their sizes from CSS; each chart is destroyed when its page is left.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip, type ChartDataset } from 'chart.js'
import { h } from './dom.ts'
import { groupCredits } from './format.ts'

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip)
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
Chart.defaults.color = '#47505e'

export const PALETTE = ['#2f5bd3', '#e07b28', '#2a9d6f', '#c2415b', '#7b5cc4', '#3a9fb8', '#b88a1e', '#6b7380']
export const colour = (index: number) => PALETTE[index % PALETTE.length] as string

export interface BarChart {
  /** the canvas's container, to put on the page */
  element: HTMLElement
  destroy (): void
}

export interface BarOptions {
  label: string
  labels: string[]
  datasets: Array<ChartDataset<'bar', number[]>>
  stacked?: boolean
  horizontal?: boolean
  /** what the value axis counts (default credits) */
  unit?: 'credits' | '% of budget'
}

const formatters = {
  credits: (value: number) => `${groupCredits(value.toFixed(4))} credits`,
  '% of budget': (value: number) => `${value.toFixed(2)} % of budget`
}

/** A bar chart; the figures behind it are always also in a table next to it. */
export function barChart (options: BarOptions): BarChart {
  const canvas = h('canvas', { role: 'img', 'aria-label': options.label })
  const element = h('div', { class: options.horizontal ? 'chart chart-horizontal' : 'chart' }, canvas)
  const valueAxis = options.horizontal ? 'x' : 'y'
  const unit = options.unit ?? 'credits'
  const chart = new Chart(canvas, {
    type: 'bar',
    data: { labels: options.labels, datasets: options.datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      datasets: { bar: { maxBarThickness: 56 } },
      indexAxis: options.horizontal ? 'y' : 'x',
      scales: {
        x: { stacked: options.stacked ?? false, grid: { display: valueAxis === 'x' } },
        y: { stacked: options.stacked ?? false, grid: { display: valueAxis === 'y' } },
        [valueAxis]: {
          stacked: options.stacked ?? false,
          beginAtZero: true,
          title: { display: true, text: unit },
          ...(unit === '% of budget' ? { suggestedMax: 100 } : {})
        }
      },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: {
          callbacks: {
            label: item => `${item.dataset.label ?? ''}: ${formatters[unit](item.raw as number)}`
          }
        }
      }
    }
  })
  return { element, destroy: () => chart.destroy() }
}
