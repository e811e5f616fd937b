// Where a tar stream may be cut into chunks that unpack on their own: at a 512-byte boundary
// inside a file's body (the chunk then starts with the rest of that file), or between entries,
// never inside the headers of one entry. Each cut records what a reader starting there needs:
// the entry's header blocks and how much of its body came before.
import { applyMeta, BLOCK, decodeHeader, isMeta, isZeroBlock, paddedSize, type RawHeader } from './tar-header.js';

/** What a chunk that starts inside a file's body needs to go on writing it. */
export interface Resume {
  /** The entry's header blocks (pax or GNU long-name blocks included), as in the archive. */
  header: Buffer;
  /** Bytes of the body in earlier chunks. */
  skip: number;
}

export class TarCutter {
  /** Bytes seen. */
  pos = 0;
  private state: 'header' | 'meta' | 'body' = 'header';
  /** Bytes left of the current body (padding included). */
  private left = 0;
  private block = Buffer.alloc(BLOCK);
  private blockFill = 0;
  /** The blocks of the entry whose headers are being read, and the meta bodies among them. */
  private group: Buffer[] = [];
  private metas: { flag: string; body: Buffer }[] = [];
  private metaBody: Buffer[] = [];
  private metaFlag = '';
  /** The current file's header blocks while in its body, and where its body began. */
  private entryHeader?: Buffer;
  private bodyStart = 0;

  /** Bytes to feed before the next block boundary (a whole block at a boundary). */
  untilBoundary(): number {
    return BLOCK - (this.pos % BLOCK);
  }

  /** Whether a chunk may begin at the current position. */
  cuttable(): boolean {
    if (this.pos % BLOCK !== 0) return false;
    return this.state === 'body' || (this.state === 'header' && this.group.length === 0 && this.blockFill === 0);
  }

  /** At a cuttable position: undefined between entries, or the file the next chunk starts in. */
  resume(): Resume | undefined {
    return this.state === 'body' && this.entryHeader ? { header: this.entryHeader, skip: this.pos - this.bodyStart } : undefined;
  }

  feed(buf: Buffer): void {
    let at = 0;
    while (at < buf.length) {
      if (this.state !== 'header') {
        const n = Math.min(this.left, buf.length - at);
        if (this.state === 'meta') this.metaBody.push(Buffer.from(buf.subarray(at, at + n)));
        this.left -= n;
        this.pos += n;
        at += n;
        if (this.left === 0) this.endBody();
        continue;
      }
      const n = Math.min(BLOCK - this.blockFill, buf.length - at);
      buf.copy(this.block, this.blockFill, at, at + n);
      this.blockFill += n;
      this.pos += n;
      at += n;
      if (this.blockFill === BLOCK) this.headerBlock();
    }
  }

  private headerBlock(): void {
    const block = this.block;
    this.block = Buffer.alloc(BLOCK);
    this.blockFill = 0;
    // The end-of-archive blocks.
    if (isZeroBlock(block) && this.group.length === 0) return;
    this.group.push(block);
    let h: RawHeader = decodeHeader(block);
    if (isMeta(h.flag)) {
      this.metaFlag = h.flag;
      this.enterBody('meta', paddedSize(h.size));
      return;
    }
    for (const m of this.metas) h = applyMeta(m, h);
    const header = Buffer.concat(this.group);
    this.group = [];
    this.metas = [];
    if (h.flag === '0' || h.flag === '7') {
      this.entryHeader = header;
      this.bodyStart = this.pos;
      this.enterBody('body', paddedSize(h.size));
    }
  }

  private enterBody(state: 'meta' | 'body', bytes: number): void {
    if (bytes === 0) {
      this.state = state;
      this.endBody();
      return;
    }
    this.state = state;
    this.left = bytes;
  }

  private endBody(): void {
    if (this.state === 'meta') {
      const body = Buffer.concat(this.metaBody);
      this.metas.push({ flag: this.metaFlag, body });
      this.group.push(body);
      this.metaBody = [];
    } else {
      this.entryHeader = undefined;
    }
    this.state = 'header';
  }
}
