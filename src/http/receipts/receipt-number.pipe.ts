// The :receipt path parameter. Receipt numbers are kept exactly as M-Pesa sent them, so any text is
// looked up as it is, except one Postgres cannot hold (a NUL, an unpaired surrogate): no receipt
// can have it, so it is 404 here rather than a database error.
import { Injectable, PipeTransform } from '@nestjs/common';
import { NotFoundError } from '../../common/domain-error';
import { isStorableText } from '../../common/json-body-guard';

@Injectable()
export class ReceiptNumberPipe implements PipeTransform<string, string> {
  transform(receipt: string): string {
    if (!isStorableText(receipt)) throw new NotFoundError('Receipt', receipt);
    return receipt;
  }
}
