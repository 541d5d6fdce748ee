import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { GraphModule } from '../graph/graph.module';
import { MediaModule } from '../media/media.module';
import { TemplatesModule } from '../templates/templates.module';
import { GraphFacadeController } from './graph-facade.controller';
import { GraphFacadeService } from './graph-facade.service';

@Module({
  imports: [AuthModule, GraphModule, MediaModule, TemplatesModule],
  controllers: [GraphFacadeController],
  providers: [GraphFacadeService],
})
export class GraphFacadeModule {}
