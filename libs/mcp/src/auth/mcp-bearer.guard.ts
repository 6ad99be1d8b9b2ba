import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { McpCaller } from '../tools/tool-types';
import { McpAuthService } from './mcp-auth.service';

const CALLER = Symbol('mcp-caller');
type WithCaller = Request & { [CALLER]?: McpCaller };

/** RS-TOK-03/07: every /mcp request is authenticated on its own; the rules live in McpAuthService. */
@Injectable()
export class McpBearerGuard implements CanActivate {
  constructor(private readonly auth: McpAuthService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<WithCaller>();
    req[CALLER] = await this.auth.authenticate(req.headers.authorization, req.ip ?? null);
    return true;
  }
}

/** The caller McpBearerGuard authenticated. */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): McpCaller => {
  const caller = context.switchToHttp().getRequest<WithCaller>()[CALLER];
  if (!caller) throw new Error('@Caller() used on a route without McpBearerGuard');
  return caller;
});
