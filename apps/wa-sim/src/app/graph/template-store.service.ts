import { Injectable } from '@nestjs/common';
import type { StoredTemplate } from './message-templates';

/** Message templates per WABA, in memory, in creation order (as Meta lists them). */
@Injectable()
export class TemplateStoreService {
  private readonly byWaba = new Map<string, StoredTemplate[]>();

  list(wabaId: string): StoredTemplate[] {
    return this.byWaba.get(wabaId) ?? [];
  }

  add(wabaId: string, template: StoredTemplate): void {
    this.byWaba.set(wabaId, [...this.list(wabaId), template]);
  }

  /** A template of any WABA by its id, as `GET /{template_id}` finds it. */
  byId(id: string): { wabaId: string; template: StoredTemplate } | undefined {
    for (const [wabaId, templates] of this.byWaba) {
      const template = templates.find((candidate) => candidate.id === id);
      if (template) return { wabaId, template };
    }
    return undefined;
  }

  /** Removes every language of `name` (or only the one with `id`); how many went. */
  remove(wabaId: string, name: string, id?: string): number {
    const before = this.list(wabaId);
    const after = before.filter((template) => template.name !== name || (id !== undefined && template.id !== id));
    this.byWaba.set(wabaId, after);
    return before.length - after.length;
  }
}
