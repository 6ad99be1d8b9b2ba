import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Client, type Notification } from 'pg';
import { DataSource } from 'typeorm';
import { REVOCATION_CHANNEL, type RevocationNotice } from '../repositories/sql';

type Subscriber = (notice: RevocationNotice | 'resync') => void;

/** How often the LISTEN connection is asked `SELECT 1`, and how long the answer may take. */
export const LISTENER_HEARTBEAT_MS = 5_000;

/**
 * LISTENs on a dedicated PostgreSQL connection for revocations committed by any replica, so that
 * per-replica caches can forget them within milliseconds. Reconnects on error; while disconnected,
 * `healthy` is false (caches must not be trusted), and after reconnecting subscribers get 'resync'
 * because notifications sent in between were missed. A connection that goes silent without an error
 * (a network partition, a failover that leaves the socket half-open: TCP keepalive would take hours)
 * is caught by a heartbeat: a `SELECT 1` every LISTENER_HEARTBEAT_MS that must answer within as long
 * again, or the connection is dropped like a failed one.
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
  private heartbeat: NodeJS.Timeout | undefined;
  /** The heartbeat's period and deadline (tests shorten it). */
  heartbeatMs = LISTENER_HEARTBEAT_MS;

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
    clearInterval(this.heartbeat);
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
      this.startHeartbeat(client);
      this.emit('resync');
    } catch (error) {
      await client.end().catch(() => undefined);
      this.onLost(client, error as Error);
    }
  }

  private startHeartbeat(client: Client): void {
    clearInterval(this.heartbeat);
    let beating = false;
    this.heartbeat = setInterval(() => {
      if (beating || this.client !== client) return;
      beating = true;
      let deadline: NodeJS.Timeout | undefined;
      const silent = new Promise<never>((_, reject) => {
        deadline = setTimeout(() => reject(new Error('no answer to the heartbeat')), this.heartbeatMs);
      });
      Promise.race([client.query('SELECT 1'), silent])
        .catch((error: Error) => {
          if (this.client !== client) return;
          this.onLost(client, error);
          // A half-open socket may never finish a polite end(): close it outright.
          (
            client as unknown as { connection?: { stream?: { destroy(): void } } }
          ).connection?.stream?.destroy();
          void client.end().catch(() => undefined);
        })
        .finally(() => {
          clearTimeout(deadline);
          beating = false;
        });
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  private onLost(client: Client, error?: Error): void {
    if (this.client !== null && this.client !== client) return; // an old connection's late event
    if (this.client === client) clearInterval(this.heartbeat);
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
