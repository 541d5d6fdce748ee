import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { OperatorApi, Schemas } from '../openapi/api-docs';
import { parseInput } from '../operator/operator-requests';
import { AccountsService } from './accounts.service';
import { inviteSchema } from './console-requests';

/** The holder of ADMIN_TOKEN is the first operator: it invites the console's first users (docs/console.md). */
@Controller('admin/v1/console')
@UseGuards(AdminAuthGuard)
@OperatorApi()
export class ConsoleBootstrapController {
  constructor(private readonly accounts: AccountsService) {}

  @Post('invites')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Invite a console user (single use, expiring)',
    description: 'The link carries the invite token in its fragment; whoever opens it sets the password. Client users need client_id.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['email', 'role'],
      properties: {
        email: { type: 'string', format: 'email' },
        role: { type: 'string', enum: ['operator', 'client'] },
        client_id: { type: 'string', format: 'uuid' },
        expires_in_hours: { type: 'integer', minimum: 1, maximum: 168, default: 72 },
      },
    },
  })
  @ApiResponse({
    status: 201,
    schema: {
      type: 'object',
      properties: {
        email: { type: 'string' },
        role: { type: 'string' },
        client_id: { type: 'string', nullable: true },
        expires_at: { type: 'string', format: 'date-time' },
        link: { type: 'string' },
      },
    },
  })
  @ApiResponse({ status: 404, description: 'unknown client', schema: Schemas.apiError })
  invite(@Body() body: unknown) {
    return this.accounts.createInvite(parseInput(inviteSchema, body), null);
  }
}
