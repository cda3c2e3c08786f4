// Daraja's STK callback body, for the document only: the controller reads the raw request
// (the body is stored byte-exact before it is interpreted), so no validation hangs on these.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

const NUMBER_OR_STRING = [{ type: 'number' }, { type: 'string' }];

export class StkCallbackItem {
  @ApiProperty({ description: 'Read items by name, never by position.', example: 'MpesaReceiptNumber' })
  Name!: string;

  @ApiPropertyOptional({ oneOf: NUMBER_OR_STRING, description: 'Absent for some items (e.g. `Balance`).', example: 'NLJ7RT61SV' })
  Value?: number | string;
}

export class StkCallbackMetadata {
  @ApiProperty({ type: [StkCallbackItem] })
  Item!: StkCallbackItem[];
}

export class StkCallbackResult {
  @ApiProperty({ example: '29115-34620561-1' })
  MerchantRequestID!: string;

  @ApiProperty({ description: 'Required: matches the callback to its payment.', example: 'ws_CO_191220191020363925' })
  CheckoutRequestID!: string;

  @ApiProperty({ oneOf: [{ type: 'integer' }, { type: 'string' }], description: '0 is success; some codes come as strings (`SFC_IC0003`).', example: 0 })
  ResultCode!: number | string;

  @ApiProperty({ example: 'The service request is processed successfully.' })
  ResultDesc!: string;

  @ApiPropertyOptional({ type: StkCallbackMetadata, description: 'Only on success: Amount, MpesaReceiptNumber, Balance, TransactionDate, PhoneNumber.' })
  CallbackMetadata?: StkCallbackMetadata;
}

export class StkCallbackEnvelope {
  @ApiProperty({ type: StkCallbackResult })
  stkCallback!: StkCallbackResult;
}

export class StkCallbackRequest {
  @ApiProperty({ type: StkCallbackEnvelope })
  Body!: StkCallbackEnvelope;
}

export const STK_CALLBACK_EXAMPLES = {
  paid: {
    summary: 'Paid',
    value: {
      Body: {
        stkCallback: {
          MerchantRequestID: '29115-34620561-1',
          CheckoutRequestID: 'ws_CO_191220191020363925',
          ResultCode: 0,
          ResultDesc: 'The service request is processed successfully.',
          CallbackMetadata: {
            Item: [
              { Name: 'Amount', Value: 1000 },
              { Name: 'MpesaReceiptNumber', Value: 'NLJ7RT61SV' },
              { Name: 'Balance' },
              { Name: 'TransactionDate', Value: 20191219102115 },
              { Name: 'PhoneNumber', Value: 254708374149 },
            ],
          },
        },
      },
    },
  },
  cancelled: {
    summary: 'Cancelled by the customer',
    value: {
      Body: {
        stkCallback: {
          MerchantRequestID: '29115-34620561-2',
          CheckoutRequestID: 'ws_CO_191220191020363926',
          ResultCode: 1032,
          ResultDesc: 'Request cancelled by user',
        },
      },
    },
  },
};
