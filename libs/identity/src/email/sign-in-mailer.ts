import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { APP_CONFIG, type AppConfig } from '@app/config';

export interface SignInMessage {
  to: string;
  link: string;
  minutes: number;
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/**
 * Sends the sign-in messages through SMTP_URL with nodemailer. Neither the link (a credential) nor
 * the SMTP URL (it may hold a password) is ever logged; a failed send is logged by error name only.
 */
@Injectable()
export class SignInMailer implements OnModuleDestroy {
  private readonly logger = new Logger('SignInMailer');
  private transport: Transporter | undefined;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async send(message: SignInMessage): Promise<void> {
    const email = this.config.emailLogin;
    if (!email) throw new Error('email sign-in is not configured');
    this.transport ??= createTransport({
      url: email.smtpUrl,
      // A silent mail server never holds a send (and its memory) for long.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
    const product = this.config.productName;
    await this.transport.sendMail({
      from: email.from,
      to: message.to,
      subject: `Your sign-in link for ${product}`,
      text: [
        `Open this link to sign in to ${product}:`,
        '',
        message.link,
        '',
        `The link works once and for ${message.minutes} minutes.`,
        'If you did not ask to sign in, ignore this email: nobody can use your address without the link.',
      ].join('\n'),
      html: [
        `<p>Open this link to sign in to ${escapeHtml(product)}:</p>`,
        `<p><a href="${escapeHtml(message.link)}">Sign in to ${escapeHtml(product)}</a></p>`,
        `<p>The link works once and for ${message.minutes} minutes.</p>`,
        '<p>If you did not ask to sign in, ignore this email: nobody can use your address without the link.</p>',
      ].join('\n'),
    });
  }

  /** Fire and forget: the page never waits for (or reveals anything about) the mail server. */
  sendInBackground(message: SignInMessage): void {
    this.send(message).catch((error: unknown) => {
      this.logger.warn(`sign-in email could not be sent: ${error instanceof Error ? error.name : 'error'}`);
    });
  }

  onModuleDestroy(): void {
    this.transport?.close();
  }
}
