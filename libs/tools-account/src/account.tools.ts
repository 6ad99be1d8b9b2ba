import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { UserRepository } from '@app/identity';
import { McpScopes, McpTool, RequireScopes, ToolError, type McpCaller } from '@app/mcp';

const whoamiInput = z.object({});

/** The smallest useful tool: who the token belongs to and which client is calling. */
@McpScopes({
  'profile:read': { description: 'See your name and email address', default: true },
})
@Injectable()
export class AccountTools {
  constructor(private readonly users: UserRepository) {}

  @McpTool({
    name: 'whoami',
    title: 'Who am I',
    description:
      'Show the signed-in user (id, name, email) and which client application is calling on their behalf.',
    input: whoamiInput,
    annotations: { readOnlyHint: true, openWorldHint: false },
  })
  @RequireScopes('profile:read')
  async whoami(_input: z.output<typeof whoamiInput>, caller: McpCaller) {
    const user = await this.users.findUser(caller.userId);
    if (!user) throw new ToolError('Your account no longer exists');
    return {
      user: { id: user.id, name: user.displayName, email: user.email },
      client: { id: caller.clientId },
      scopes: caller.scopes,
    };
  }
}
