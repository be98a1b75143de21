/**
 * Delivering the written files through the channel the config names (`pmh.transport`).
 * Each channel is loaded only when chosen: Playwright is about 90 MB, and a run that
 * delivers through the API or a folder should not carry it.
 */
import type { DeliveryRequest } from './delivery.ts';

export async function deliverFiles(request: DeliveryRequest): Promise<void> {
  const { pmh, browser } = request.config;
  switch (pmh.transport) {
    case 'api':
      return (await import('./api/deliver.ts')).deliverViaApi({ ...request, config: { pmh, browser } });
    case 'folder':
      return (await import('./folder/deliver.ts')).deliverToFolder({ ...request, config: { pmh, browser } });
    case 'screen':
      return (await import('./screen/deliver.ts')).deliverViaScreen({ ...request, config: { pmh, browser } });
  }
}
