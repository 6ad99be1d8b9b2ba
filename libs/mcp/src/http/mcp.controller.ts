import { All, Controller, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Caller, McpBearerGuard } from '../auth/mcp-bearer.guard';
import type { McpCaller } from '../tools/tool-types';
import { McpEndpoint } from './mcp-endpoint.service';
import { McpExceptionFilter } from './mcp-exception.filter';

/** The MCP endpoint. The bearer guard runs on every method, so a tokenless GET gets the 401 challenge. */
@Controller('mcp')
@UseGuards(McpBearerGuard)
@UseFilters(McpExceptionFilter)
export class McpController {
  constructor(private readonly endpoint: McpEndpoint) {}

  @Post()
  post(@Req() req: Request, @Res() res: Response, @Caller() caller: McpCaller): Promise<void> {
    return this.endpoint.post(req, res, caller);
  }

  @All()
  other(): never {
    throw this.endpoint.methodNotAllowed();
  }
}
