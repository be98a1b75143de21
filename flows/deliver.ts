/**
 * Delivering the written files through the channel the config names (`pmh.transport`).
 * Each channel is loaded only when chosen: Playwright is about 90 MB, and a run that
 * delivers through the API or a folder should not carry it.
 */
import type { DeliveryRequest } from './delivery.ts';

export async function deliverFiles(request: DeliveryRequest): Promise<void> {
  switch (request.config.pmh.transport) {
    case 'api':
      return (await import('./api/deliver.ts')).deliverViaApi(request);
    case 'folder':
      return (await import('./folder/deliver.ts')).deliverToFolder(request);
    case 'screen':
      return (await import('./screen/deliver.ts')).deliverViaScreen(request);
  }
}
