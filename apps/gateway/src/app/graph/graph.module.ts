import { Module } from '@nestjs/common';
import { GraphApiClient } from './graph-api.client';

/** One Graph API client (one connection pool) shared by sends, templates and media. */
@Module({
  providers: [GraphApiClient],
  exports: [GraphApiClient],
})
export class GraphModule {}
