import { Injectable } from '@nestjs/common';

/** Process-local lifecycle flag: once shutdown starts, readiness answers 503 so the balancer drains us. */
@Injectable()
export class Lifecycle {
  private draining = false;

  get isDraining(): boolean {
    return this.draining;
  }

  startDraining(): void {
    this.draining = true;
  }
}
