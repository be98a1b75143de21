/**
 * Why a bundle could not be built, for the developer or vendor building it: what happened,
 * with the values involved, and what to do. No partial zip is ever left behind.
 */
export class BundleError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'BundleError';
  }
}
