import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CONSOLE_CSS, CONSOLE_CSS_ETAG, CONSOLE_JS, CONSOLE_JS_ETAG } from './console-assets';

function send(req: Request, res: Response, type: string, body: string, etag: string): void {
  // Revalidated on every use (cheap 304s) so a new build's assets are picked up at once.
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('ETag', etag);
  if (req.headers['if-none-match'] === etag) {
    res.status(304).end();
    return;
  }
  res.type(type).send(body);
}

/** The stylesheet and script of the console (public: they hold no data). */
@ApiExcludeController()
@Controller('console/assets')
export class ConsoleAssetsController {
  @Get('console.css')
  css(@Req() req: Request, @Res() res: Response): void {
    send(req, res, 'text/css; charset=utf-8', CONSOLE_CSS, CONSOLE_CSS_ETAG);
  }

  @Get('console.js')
  js(@Req() req: Request, @Res() res: Response): void {
    send(req, res, 'text/javascript; charset=utf-8', CONSOLE_JS, CONSOLE_JS_ETAG);
  }
}
