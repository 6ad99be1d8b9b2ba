import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Client, type Notification } from 'pg';
import { DataSource } from 'typeorm';
import { REVOCATION_CHANNEL, type RevocationNotice } from '../repositories/sql';

type Subscriber = (notice: RevocationNotice | 'resync') => void;

/**
 * LISTENs on a dedicated PostgreSQL connection for revocations committed by any replica, so that
 * per-replica caches can forget them within milliseconds. Reconnects on error; while disconnected,
 * `healthy` is false (caches must not be trusted), and after reconnecting subscribers get 'resync'
 * because notifications sent in between were missed.
 */
@Injectable()
export class RevocationListener implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('RevocationListener');
  private readonly subscribers = new Set<Subscriber>();
  private client: Client | null = null;
  private stopped = false;
  private retryDelayMs = 200;
  private retryTimer: NodeJS.Timeout | undefined;
  private connected = false;

  constructor(private readonly dataSource: DataSource) {}

  get healthy(): boolean {
    return this.connected;
  }

  /**
   * The replica that committed a revocation tells its own subscribers at once, without waiting for
   * its NOTIFY to come back (which it also will; forgetting twice is harmless).
   */
  deliverLocally(notice: RevocationNotice): void {
    this.emit(notice);
  }

  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    this.connected = false;
    await client?.end().catch(() => undefined);
  }

  private connectionString(): string | undefined {
    return (this.dataSource.options as { url?: string }).url;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.connectionString(),
      application_name: 'mcp-auth-server:revocations',
      keepAlive: true,
      connectionTimeoutMillis: 5000,
    });
    client.on('notification', (message: Notification) => this.onNotification(message));
    client.on('error', (error: Error) => this.onLost(client, error));
    client.on('end', () => this.onLost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${REVOCATION_CHANNEL}`);
      if (this.stopped) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      this.connected = true;
      this.retryDelayMs = 200;
      this.emit('resync');
    } catch (error) {
      await client.end().catch(() => undefined);
      this.onLost(client, error as Error);
    }
  }

  private onLost(client: Client, error?: Error): void {
    if (this.client !== null && this.client !== client) return; // an old connection's late event
    this.client = null;
    if (this.connected || error) {
      this.connected = false;
      this.emit('resync');
    }
    if (this.stopped || this.retryTimer) return;
    if (error) this.logger.warn(`revocation listener connection lost (${error.message}); reconnecting`);
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, 5000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  private onNotification(message: Notification): void {
    if (message.channel !== REVOCATION_CHANNEL || !message.payload) return;
    try {
      const notice = JSON.parse(message.payload) as RevocationNotice;
      this.emit(notice);
    } catch {
      this.emit('resync');
    }
  }

  private emit(notice: RevocationNotice | 'resync'): void {
    for (const subscriber of this.subscribers) subscriber(notice);
  }
}
