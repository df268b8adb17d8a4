import { LineChart } from 'echarts/charts';
import { GridComponent, MarkAreaComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

/** The echarts parts the time-series charts use (tree-shaken: nothing else is bundled for them). */
echarts.use([
  LineChart,
  GridComponent,
  TooltipComponent,
  MarkLineComponent,
  MarkAreaComponent,
  CanvasRenderer,
]);

export { echarts };

/** Plot margins shared by every time chart, so stacked charts line their x axes up. */
export const GRID = { left: 64, right: 16, top: 18, bottom: 24 } as const;
