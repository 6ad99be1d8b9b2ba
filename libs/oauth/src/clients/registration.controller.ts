import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Put,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { OAuthJsonExceptionFilter } from '../common/oauth-error.filters';
import { InvalidClientMetadataError } from '../common/oauth-errors';
import { clientIp } from '../common/params';
import { RateLimitGuard, RateLimited } from '../rate-limit/rate-limit.guard';
import { RegistrationService, type ClientInformationResponse } from './registration.service';

function requireJson(request: Request): void {
  if (!request.is('application/json')) {
    throw new InvalidClientMetadataError('The request body must be application/json client metadata');
  }
}

/** RFC 7591 registration endpoint and RFC 7592 client configuration endpoint. */
@Controller('api/oauth/register')
@UseFilters(OAuthJsonExceptionFilter)
export class RegistrationController {
  constructor(private readonly registration: RegistrationService) {}

  @Post()
  @HttpCode(201)
  @UseGuards(RateLimitGuard)
  @RateLimited('register')
  async register(
    @Req() req: Request,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ClientInformationResponse> {
    requireJson(req);
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    return this.registration.register(body, clientIp(req));
  }

  @Get(':clientId')
  @UseGuards(RateLimitGuard)
  @RateLimited('client_configuration')
  async read(
    @Param('clientId') clientId: string,
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ClientInformationResponse> {
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    return this.registration.read(clientId, authorization);
  }

  @Put(':clientId')
  @UseGuards(RateLimitGuard)
  @RateLimited('client_configuration')
  async update(
    @Req() req: Request,
    @Param('clientId') clientId: string,
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ClientInformationResponse> {
    requireJson(req);
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    return this.registration.update(clientId, authorization, body, clientIp(req));
  }

  @Delete(':clientId')
  @HttpCode(204)
  @UseGuards(RateLimitGuard)
  @RateLimited('client_configuration')
  async delete(
    @Req() req: Request,
    @Param('clientId') clientId: string,
    @Headers('authorization') authorization: string | undefined,
  ): Promise<void> {
    await this.registration.delete(clientId, authorization, clientIp(req));
  }
}
