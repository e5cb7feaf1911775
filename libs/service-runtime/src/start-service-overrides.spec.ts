import { Controller, Get, Inject, Module } from '@nestjs/common';
import { httpJson } from '@labsync/testing';
import { startService, type RunningService, type ServiceDefinition } from './start-service';

const GREETING = Symbol('GREETING');

@Controller('greeting')
class GreetingController {
  constructor(@Inject(GREETING) private readonly greeting: string) {}
  @Get()
  get(): { greeting: string } {
    return { greeting: this.greeting };
  }
}

@Module({ controllers: [GreetingController], providers: [{ provide: GREETING, useValue: 'from the app' }] })
class GreetingModule {}

const definition: ServiceDefinition = { name: 'portal-sim', rootModule: GreetingModule };
const env = { NODE_ENV: 'test', LOG_LEVEL: 'fatal', PORT: '0', HOST: '127.0.0.1' };

/** Tests replace an app's providers when they start it (no database, no Kafka: HTTP only). */
describe('startService overrides', () => {
  const running: RunningService[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.close()));
  });

  it("uses the app's own provider without overrides", async () => {
    const service = await startService(definition, env);
    running.push(service);
    expect((await httpJson('GET', `${service.url}/greeting`)).body).toEqual({ greeting: 'from the app' });
  });

  it("replaces the root module's provider of the same token", async () => {
    const service = await startService(definition, env, { overrides: [{ provide: GREETING, useValue: 'from the test' }] });
    running.push(service);
    expect((await httpJson('GET', `${service.url}/greeting`)).body).toEqual({ greeting: 'from the test' });
  });
});
