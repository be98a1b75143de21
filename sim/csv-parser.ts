// An incremental RFC 4180 parser that reports the physical line each record starts on.
// csv-parse's line counters drift with CRLF and quoted newlines; the error list must name the
// exact line an operator sees in an editor, so the simulator counts lines itself.

export interface CsvRecord {
  /** 1-based physical line the record starts on. */
  line: number;
  cells: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

const COMMA = 44;
const QUOTE = 34;
const CR = 13;
const LF = 10;

type State = 'fieldStart' | 'unquoted' | 'quoted' | 'quoteInQuoted' | 'afterCr';

export class CsvParser {
  private state: State = 'fieldStart';
  private cells: string[] = [];
  private field = '';
  private fieldWasQuoted = false;
  private inRecord = false;
  private line = 1;
  private recordLine = 1;

  /** Feeds decoded text; returns the records completed by it. */
  push(text: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    // a field cut by the previous chunk continues from the start of this one
    let segmentStart = this.state === 'unquoted' || this.state === 'quoted' ? 0 : -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.state === 'afterCr') {
        this.line++;
        this.recordLine = this.line;
        this.state = 'fieldStart';
        if (c === LF) continue;
        // a lone CR ends a line too: this character starts the next record
      }
      switch (this.state) {
        case 'fieldStart':
          this.inRecord = true;
          if (c === QUOTE) {
            this.state = 'quoted';
            this.fieldWasQuoted = true;
            segmentStart = i + 1;
          } else if (c === COMMA) {
            this.endField();
          } else if (c === CR) {
            this.endRecord(out);
            this.state = 'afterCr';
          } else if (c === LF) {
            this.endRecord(out);
            this.line++;
            this.recordLine = this.line;
          } else {
            this.state = 'unquoted';
            segmentStart = i;
          }
          break;
        case 'unquoted':
          if (c === COMMA || c === CR || c === LF) {
            this.field += text.slice(segmentStart, i);
            segmentStart = -1;
            if (c === COMMA) {
              this.endField();
              this.state = 'fieldStart';
            } else if (c === CR) {
              this.endRecord(out);
              this.state = 'afterCr';
            } else {
              this.endRecord(out);
              this.line++;
              this.recordLine = this.line;
              this.state = 'fieldStart';
            }
          } else if (c === QUOTE) {
            throw new CsvSyntaxError(this.line, '引用符で囲まれていない項目の途中に引用符（"）があります。');
          }
          break;
        case 'quoted':
          if (c === QUOTE) {
            this.field += text.slice(segmentStart, i);
            segmentStart = -1;
            this.state = 'quoteInQuoted';
          } else if (c === LF) {
            this.line++;
          }
          break;
        case 'quoteInQuoted':
          if (c === QUOTE) {
            this.field += '"';
            this.state = 'quoted';
            segmentStart = i + 1;
          } else if (c === COMMA) {
            this.endField();
            this.state = 'fieldStart';
          } else if (c === CR) {
            this.endRecord(out);
            this.state = 'afterCr';
          } else if (c === LF) {
            this.endRecord(out);
            this.line++;
            this.recordLine = this.line;
            this.state = 'fieldStart';
          } else {
            throw new CsvSyntaxError(this.line, '閉じ引用符（"）の直後に区切り文字以外の文字があります。');
          }
          break;
      }
    }
    if (segmentStart >= 0 && (this.state === 'unquoted' || this.state === 'quoted')) {
      this.field += text.slice(segmentStart);
    }
    return out;
  }

  /** Signals the end of input; returns the last record when the file lacks a final line end. */
  end(): CsvRecord[] {
    if (this.state === 'quoted') {
      throw new CsvSyntaxError(this.recordLine, '引用符（"）が閉じられていません。');
    }
    const out: CsvRecord[] = [];
    if (this.state !== 'afterCr' && this.inRecord) this.endRecord(out);
    return out;
  }

  private endField(): void {
    this.cells.push(this.field);
    this.field = '';
    this.fieldWasQuoted = false;
  }

  private endRecord(out: CsvRecord[]): void {
    const blankLine = this.cells.length === 0 && this.field === '' && !this.fieldWasQuoted;
    this.endField();
    if (!blankLine) out.push({ line: this.recordLine, cells: this.cells });
    this.cells = [];
    this.inRecord = false;
  }
}
