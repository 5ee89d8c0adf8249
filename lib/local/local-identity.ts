// The names local runs use where AWS would have an account, a region, a stage and a bucket.

export const LOCAL_STAGE = 'local';
export const LOCAL_BUCKET = 'mltrain-local';
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';
