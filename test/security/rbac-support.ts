import type { INestApplication } from '@nestjs/common';
import { GUARDS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { ADMIN_SCOPE_METADATA, AdminTokenStore, type AdminRole } from '@idsync/platform';

// Helpers of the RBAC tests: the routes an app really serves (its Express router), the Nest
// handler behind each (with its scope and guards), and admin tokens made in the database.

export interface ServedRoute {
  method: string;
  path: string;
}

interface ExpressLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: ExpressLayer[] };
}

/** Every (method, path) in the app's Express router, as Express will match them. */
export function servedRoutes(app: INestApplication): ServedRoute[] {
  const express = app.getHttpAdapter().getInstance() as { router?: { stack: ExpressLayer[] }; _router?: { stack: ExpressLayer[] } };
  const stack = (express.router ?? express._router)?.stack ?? [];
  const routes: ServedRoute[] = [];
  const walk = (layers: ExpressLayer[]) => {
    for (const layer of layers) {
      if (layer.route) {
        for (const path of [layer.route.path].flat()) {
          for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') routes.push({ method: method.toUpperCase(), path });
        }
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk(stack);
  return routes;
}

export interface NestRoute {
  method: string;
  path: string;
  controller: string;
  handler: string;
  /** The declared @AdminScope (method, else class). */
  adminScope: string | undefined;
  /** Metadata by key, method first then class (e.g. the console's role). */
  metadata(key: string): unknown;
  guards: string[];
}

const joinPath = (...parts: string[]) => `/${parts.flatMap((p) => p.split('/')).filter(Boolean).join('/')}`;

/** Every route Nest mapped, from the controllers' metadata. */
export function nestRoutes(app: INestApplication): NestRoute[] {
  const routes: NestRoute[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: unknown[]) => object) | null;
      if (!controller) continue;
      const base = [Reflect.getMetadata(PATH_METADATA, controller) as string | string[]].flat()[0] ?? '';
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const fn = (controller.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof fn !== 'function') continue;
        const path = Reflect.getMetadata(PATH_METADATA, fn) as string | string[] | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod | undefined;
        if (path === undefined || method === undefined) continue;
        const read = (key: string): unknown => Reflect.getMetadata(key, fn) ?? Reflect.getMetadata(key, controller);
        const guards = [...((Reflect.getMetadata(GUARDS_METADATA, controller) as Array<{ name: string }>) ?? []), ...((Reflect.getMetadata(GUARDS_METADATA, fn) as Array<{ name: string }>) ?? [])].map((g) => g.name);
        for (const p of [path].flat()) {
          routes.push({ method: RequestMethod[method], path: joinPath(base, p), controller: controller.name, handler: name, adminScope: read(ADMIN_SCOPE_METADATA) as string | undefined, metadata: read, guards });
        }
      }
    }
  }
  return routes;
}

/** The Nest route behind a served Express route (Express 5 paths equal Nest's for these apps). */
export function handlerOf(nest: NestRoute[], served: ServedRoute): NestRoute | undefined {
  const method = served.method === 'HEAD' ? 'GET' : served.method;
  return nest.find((r) => (r.method === method || r.method === 'ALL') && r.path === served.path);
}

let counter = 0;

/** An admin token straight in the database (what `idsync admin-token create` does). */
export async function createAdminToken(db: DataSource, role: AdminRole, tenantId: string | null = null, expiresAt: Date | null = null): Promise<{ id: string; name: string; token: string }> {
  const created = await new AdminTokenStore(db).create({ name: `rbac-${role}-${process.pid}-${++counter}`, role, tenantId, expiresAt, createdBy: 'test' });
  return { id: created.id, name: created.name, token: created.token };
}

/** A concrete path for a route pattern: every :param becomes `value`. */
export function concretePath(pattern: string, value = '00000000-0000-4000-8000-000000000000'): string {
  return pattern.replace(/:[A-Za-z_]+/g, value);
}
