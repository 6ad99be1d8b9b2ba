import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One message as the fake mail server received it. */
export interface ReceivedMail {
  /** Envelope recipients. */
  readonly to: string[];
  readonly from: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The raw message as sent over SMTP (headers and encoded body). */
  readonly raw: string;
}

/**
 * A real SMTP server (the `smtp-server` package) on a random loopback port, without TLS or
 * authentication: the application sends to it through its ordinary SMTP_URL, and the test reads
 * each message, decoded by `mailparser`, as a person's mail client would.
 */
export class FakeSmtp {
  readonly messages: ReceivedMail[] = [];
  private readonly waiters: { to: string; resolve: (mail: ReceivedMail) => void }[] = [];
  private readonly taken = new Set<ReceivedMail>();
  private server!: SMTPServer;
  private port = 0;

  get url(): string {
    const auth = this.credentials
      ? `${encodeURIComponent(this.credentials.user)}:${encodeURIComponent(this.credentials.password)}@`
      : '';
    return `smtp://${auth}127.0.0.1:${this.port}`;
  }

  /** The environment that turns email sign-in on against this server. */
  env(): Record<string, string> {
    return { EMAIL_LOGIN: 'true', SMTP_URL: this.url, EMAIL_FROM: 'Test Server <no-reply@mcp.test>' };
  }

  /** With `credentials`, the server asks for AUTH PLAIN/LOGIN and accepts only those. */
  constructor(private readonly credentials?: { user: string; password: string }) {}

  async start(): Promise<void> {
    const credentials = this.credentials;
    this.server = new SMTPServer({
      secure: false,
      disabledCommands: credentials ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !credentials,
      // Plain-text AUTH on loopback only, in tests.
      allowInsecureAuth: true,
      logger: false,
      onAuth: (auth, _session, callback) => {
        if (credentials && auth.username === credentials.user && auth.password === credentials.password) {
          callback(null, { user: auth.username });
        } else callback(new Error('Invalid username or password'));
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          simpleParser(raw).then(
            (parsed) => {
              this.received({
                to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                subject: parsed.subject ?? '',
                text: parsed.text ?? '',
                html: typeof parsed.html === 'string' ? parsed.html : '',
                raw: raw.toString('utf8'),
              });
              callback();
            },
            (error: Error) => callback(error),
          );
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
  }

  /** The next message to `to` not returned before (waits for it). */
  nextMessage(to: string): Promise<ReceivedMail> {
    const address = to.toLowerCase();
    const ready = this.messages.find((m) => !this.taken.has(m) && m.to.includes(address));
    if (ready) {
      this.taken.add(ready);
      return Promise.resolve(ready);
    }
    return new Promise((resolve) => this.waiters.push({ to: address, resolve }));
  }

  /** Messages to `to` received so far. */
  messagesTo(to: string): ReceivedMail[] {
    return this.messages.filter((m) => m.to.includes(to.toLowerCase()));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private received(mail: ReceivedMail): void {
    this.messages.push(mail);
    const waiter = this.waiters.findIndex((w) => mail.to.includes(w.to));
    if (waiter >= 0) {
      this.taken.add(mail);
      this.waiters.splice(waiter, 1)[0].resolve(mail);
    }
  }
}

export async function startFakeSmtp(credentials?: { user: string; password: string }): Promise<FakeSmtp> {
  const smtp = new FakeSmtp(credentials);
  await smtp.start();
  return smtp;
}

/** The sign-in link of a message (from its plain-text part). */
export function signInLinkOf(mail: ReceivedMail): string {
  const match = /https?:\/\/\S+\/auth\/email\/link\?token=[A-Za-z0-9_-]{43}/.exec(mail.text);
  if (!match) throw new Error(`no sign-in link in the message "${mail.subject}"`);
  return match[0];
}
