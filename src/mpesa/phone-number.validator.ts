// DTO decorator: normalises a phone number field and refuses anything that is not one.
import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { Matches } from 'class-validator';
import { NORMALISED_PHONE, normalizePhoneNumber } from './phone-number';

export function IsKenyanPhoneNumber(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }) => (typeof value === 'string' ? (normalizePhoneNumber(value) ?? value) : value)),
    Matches(NORMALISED_PHONE, {
      message: ({ property }) =>
        `${property} must be a Kenyan mobile number (07XXXXXXXX, 01XXXXXXXX, +2547XXXXXXXX or 2547XXXXXXXX)`,
    }),
  );
}
