import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { buildAsyncApiDocument, renderAsyncApiYaml } from '@wabridge/contracts';

/**
 * The AsyncAPI document of the Kafka topics (docs/asyncapi.yaml), next to the OpenAPI document:
 * /docs/asyncapi.yaml and /docs/asyncapi.json. Built once from libs/contracts, like the committed file.
 */
@ApiExcludeController()
@Controller('docs')
export class AsyncApiController {
  private readonly yaml = renderAsyncApiYaml();
  private readonly json = JSON.stringify(buildAsyncApiDocument(), null, 2);

  @Get('asyncapi.yaml')
  @Header('Content-Type', 'application/yaml; charset=utf-8')
  asYaml(): string {
    return this.yaml;
  }

  @Get('asyncapi.json')
  @Header('Content-Type', 'application/json; charset=utf-8')
  asJson(): string {
    return this.json;
  }
}
