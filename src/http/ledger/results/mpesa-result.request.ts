// A Daraja Result (Transaction Status or Reversal), for the document only: the controller stores
// the raw body before anything reads it, so no validation hangs on these.
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';

const NUMBER_OR_STRING = [{ type: 'number' }, { type: 'string' }];

export class MpesaResultParameter {
  @ApiProperty({ description: 'Read parameters by Key, never by position.', example: 'ReceiptNo' })
  Key!: string;

  @ApiPropertyOptional({ oneOf: NUMBER_OR_STRING, description: 'Absent for some (e.g. `CreditPartyCharges`).', example: 'UF1AB2CD3E' })
  Value?: number | string;
}

@ApiExtraModels(MpesaResultParameter)
export class MpesaResultParameters {
  @ApiProperty({
    oneOf: [{ type: 'array', items: { $ref: getSchemaPath(MpesaResultParameter) } }, { $ref: getSchemaPath(MpesaResultParameter) }],
    description: 'A list, or a single object when there is one item.',
  })
  ResultParameter!: MpesaResultParameter[] | MpesaResultParameter;
}

export class MpesaResultBody {
  @ApiPropertyOptional({ oneOf: NUMBER_OR_STRING, example: 0 })
  ResultType?: number | string;

  @ApiProperty({ oneOf: NUMBER_OR_STRING, description: '0 is success; some codes come as strings (`R000001`).', example: 0 })
  ResultCode!: number | string;

  @ApiPropertyOptional({ example: 'The service request is processed successfully.' })
  ResultDesc?: string;

  @ApiProperty({ description: 'This or ConversationID is required: ties the result to its request.', example: '5118-111210482-1' })
  OriginatorConversationID!: string;

  @ApiProperty({ example: 'AG_20260602_2010325b025970fbc403' })
  ConversationID!: string;

  @ApiPropertyOptional({ description: 'Transaction Status: a placeholder; Reversal: the reversal receipt.', example: 'UF20000000' })
  TransactionID?: string;

  @ApiPropertyOptional({ type: MpesaResultParameters, description: 'Absent on failure.' })
  ResultParameters?: MpesaResultParameters;
}

export class MpesaResultRequest {
  @ApiProperty({ type: MpesaResultBody })
  Result!: MpesaResultBody;
}

export const MPESA_RESULT_EXAMPLES = {
  unknownReceipt: {
    summary: 'Transaction Status: unknown receipt',
    value: {
      Result: {
        ResultType: 0,
        ResultCode: 2032,
        ResultDesc: 'The transaction receipt number does not exist.',
        OriginatorConversationID: '5118-111210482-1',
        ConversationID: 'AG_20260602_2010325b025970fbc403',
        TransactionID: 'UF20000000',
      },
    },
  },
};
